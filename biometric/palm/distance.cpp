#include <opencv2/imgproc.hpp>
#include "distance.h"

int palm_distance(void *src, void *dst) {
    try {
        cv::distanceTransform(*static_cast<cv::Mat *>(src), *static_cast<cv::Mat *>(dst), cv::DIST_L2, cv::DIST_MASK_5);
    } catch (const cv::Exception &) {
        return -1; // an exception must not cross into Go
    }
    return 0;
}
